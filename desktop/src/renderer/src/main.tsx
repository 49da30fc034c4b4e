import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import './styles/base.css';
import './styles/app.css';
import './styles/shell.css';
import './styles/review.css';
import './styles/exports.css';
import './styles/folders.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
